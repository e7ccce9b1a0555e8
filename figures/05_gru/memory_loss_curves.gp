# memory_loss_curves.gp: written by unrolled (05_gru). Redraw it from this folder with
#     gnuplot memory_loss_curves.gp
# The data is memory_loss_curves.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'memory_loss_curves.png'
data = 'memory_loss_curves.csv'
set terminal pngcairo size 1280,800 enhanced font 'Sans,16' linewidth 1.5
set output outfile
set encoding utf8
set datafile separator comma
set key opaque box
set key below maxcols 2
set bmargin 9.5
set grid lc rgb '#d9d9d9' lw 1
set border lw 1.2
set title font ',20'
set title 'Training loss on the adding problem (mean of 50 updates): LSTM dashed, GRU solid' noenhanced
set xlabel 'update' noenhanced
set ylabel 'training MSE' noenhanced
set logscale y
set format y '10^{%L}'
set xrange [0:3000]

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k && column(3) > 0
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#0072B2' title 'LSTM, T = 10' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with lines lw 3 lc rgb '#0072B2' title 'GRU, T = 10' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#D55E00' title 'LSTM, T = 25' noenhanced, \
    data skip 1 using 2:(keep(3) ? $3 : NaN) with lines lw 3 lc rgb '#D55E00' title 'GRU, T = 25' noenhanced, \
    data skip 1 using 2:(keep(4) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#009E73' title 'LSTM, T = 50' noenhanced, \
    data skip 1 using 2:(keep(5) ? $3 : NaN) with lines lw 3 lc rgb '#009E73' title 'GRU, T = 50' noenhanced, \
    data skip 1 using 2:(keep(6) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#CC79A7' title 'LSTM, T = 100' noenhanced, \
    data skip 1 using 2:(keep(7) ? $3 : NaN) with lines lw 3 lc rgb '#CC79A7' title 'GRU, T = 100' noenhanced, \
    data skip 1 using 2:(keep(8) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#E69F00' title 'LSTM, T = 200' noenhanced, \
    data skip 1 using 2:(keep(9) ? $3 : NaN) with lines lw 3 lc rgb '#E69F00' title 'GRU, T = 200' noenhanced
set output
