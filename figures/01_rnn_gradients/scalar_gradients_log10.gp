# scalar_gradients_log10.gp: written by unrolled (01_rnn_gradients). Redraw it from this folder with
#     gnuplot scalar_gradients_log10.gp
# The data is scalar_gradients_log10.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'scalar_gradients_log10.png'
data = 'scalar_gradients_log10.csv'
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
set title 'One unit: how much of the gradient at step 1000 reaches step 1000 - k' noenhanced
set xlabel 'k (steps back in time)' noenhanced
set ylabel 'log10 |dh_1000 / dh_(1000-k)|' noenhanced

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with lines lw 3 lc rgb '#0072B2' title 'linear, w = 0.5' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with lines lw 3 lc rgb '#D55E00' title 'linear, w = 0.9' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with lines lw 3 lc rgb '#009E73' title 'linear, w = 1' noenhanced, \
    data skip 1 using 2:(keep(3) ? $3 : NaN) with lines lw 3 lc rgb '#CC79A7' title 'linear, w = 1.1' noenhanced, \
    data skip 1 using 2:(keep(4) ? $3 : NaN) with lines lw 3 lc rgb '#E69F00' title 'linear, w = 2' noenhanced, \
    data skip 1 using 2:(keep(5) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#56B4E9' title 'tanh, w = 0.5' noenhanced, \
    data skip 1 using 2:(keep(6) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#000000' title 'tanh, w = 0.9' noenhanced, \
    data skip 1 using 2:(keep(7) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#0072B2' title 'tanh, w = 1' noenhanced, \
    data skip 1 using 2:(keep(8) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#D55E00' title 'tanh, w = 1.1' noenhanced, \
    data skip 1 using 2:(keep(9) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#009E73' title 'tanh, w = 2' noenhanced
set output
