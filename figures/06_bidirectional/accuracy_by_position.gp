# accuracy_by_position.gp: written by unrolled (06_bidirectional). Redraw it from this folder with
#     gnuplot accuracy_by_position.gp
# The data is accuracy_by_position.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'accuracy_by_position.png'
data = 'accuracy_by_position.csv'
set terminal pngcairo size 1280,800 enhanced font 'Sans,16' linewidth 1.5
set output outfile
set encoding utf8
set datafile separator comma
set key opaque box
set key below maxcols 1
set bmargin 7.5
set grid lc rgb '#d9d9d9' lw 1
set border lw 1.2
set title font ',20'
set title 'Greedy word equal to the reference, by output position (test set)' noenhanced
set xlabel 'output position (1 = first word after <sos>)' noenhanced
set ylabel 'words right (%)' noenhanced
set xrange [0.5:5.5]
set yrange [*:101]

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#0072b2' title 'dates: bidirectional encoder' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#d55e00' title 'dates: unidirectional encoder, source in order' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#cc79a7' title 'dates: unidirectional encoder, source reversed' noenhanced
set output
