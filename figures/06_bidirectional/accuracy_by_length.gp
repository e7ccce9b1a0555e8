# accuracy_by_length.gp: written by unrolled (06_bidirectional). Redraw it from this folder with
#     gnuplot accuracy_by_length.gp
# The data is accuracy_by_length.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'accuracy_by_length.png'
data = 'accuracy_by_length.csv'
set terminal pngcairo size 1280,800 enhanced font 'Sans,16' linewidth 1.5
set output outfile
set encoding utf8
set datafile separator comma
set key opaque box
set key below maxcols 1
set bmargin 9.5
set grid lc rgb '#d9d9d9' lw 1
set border lw 1.2
set title font ',20'
set title 'Exact match against source length (test sets)' noenhanced
set xlabel 'source length (words or symbols)' noenhanced
set ylabel 'exact match or BLEU (%)' noenhanced
set yrange [0:105]

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#0072b2' title 'dates, bidirectional encoder: exact match' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#d55e00' title 'dates, unidirectional encoder, source in order: exact match' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#cc79a7' title 'dates, unidirectional encoder, source reversed: exact match' noenhanced, \
    data skip 1 using 2:(keep(3) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#009e73' title 'copy (H = 128), bidirectional encoder: exact match' noenhanced, \
    data skip 1 using 2:(keep(4) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#009e73' title 'copy (H = 128), bidirectional encoder: BLEU' noenhanced
set output
