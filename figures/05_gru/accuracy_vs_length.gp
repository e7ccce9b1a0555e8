# accuracy_vs_length.gp: written by unrolled (05_gru). Redraw it from this folder with
#     gnuplot accuracy_vs_length.gp
# The data is accuracy_vs_length.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'accuracy_vs_length.png'
data = 'accuracy_vs_length.csv'
set terminal pngcairo size 1280,800 enhanced font 'Sans,16' linewidth 1.5
set output outfile
set encoding utf8
set datafile separator comma
set key opaque box
set key below maxcols 2
set bmargin 6.5
set grid lc rgb '#d9d9d9' lw 1
set border lw 1.2
set title font ',20'
set title 'The adding problem: held-out predictions within 0.04 of the target' noenhanced
set xlabel 'sequence length T' noenhanced
set ylabel 'predictions within 0.04 (%)' noenhanced
set logscale x
set format x '%g'
set xrange [8:250]
set yrange [0:100]

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k && column(2) > 0
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#000000' title 'tanh RNN' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#0072B2' title 'LSTM' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#D55E00' title 'GRU' noenhanced, \
    data skip 1 using 2:(keep(3) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#888888' title 'baseline: always predict 1 (7.8%)' noenhanced
set output
