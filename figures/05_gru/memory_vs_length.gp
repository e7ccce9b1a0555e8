# memory_vs_length.gp: written by unrolled (05_gru). Redraw it from this folder with
#     gnuplot memory_vs_length.gp
# The data is memory_vs_length.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'memory_vs_length.png'
data = 'memory_vs_length.csv'
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
set title 'The adding problem: error after the same training budget' noenhanced
set xlabel 'sequence length T' noenhanced
set ylabel 'held-out MSE' noenhanced
set logscale x
set format x '%g'
set logscale y
set format y '10^{%L}'
set xrange [8:250]

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k && column(2) > 0 && column(3) > 0
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#000000' title 'tanh RNN' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#0072B2' title 'LSTM' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#D55E00' title 'GRU' noenhanced, \
    data skip 1 using 2:(keep(3) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#888888' title 'baseline: always predict 1 (MSE 1/6)' noenhanced
set output
