# grad_norms_relu.gp: written by unrolled (01_rnn_gradients). Redraw it from this folder with
#     gnuplot grad_norms_relu.gp
# The data is grad_norms_relu.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'grad_norms_relu.png'
data = 'grad_norms_relu.csv'
set terminal pngcairo size 1280,800 enhanced font 'Sans,16' linewidth 1.5
set output outfile
set encoding utf8
set datafile separator comma
set key opaque box
set key bottom right
set grid lc rgb '#d9d9d9' lw 1
set border lw 1.2
set title font ',20'
set title 'ReLU RNN, 32 units: gradient norm reaching step t from step 1000' noenhanced
set xlabel 'time step t' noenhanced
set ylabel 'log10 ||dL/dh_t||' noenhanced

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with lines lw 3 lc rgb '#0072B2' title 'rho = 0.5' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with lines lw 3 lc rgb '#D55E00' title 'rho = 0.9' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with lines lw 3 lc rgb '#009E73' title 'rho = 1' noenhanced, \
    data skip 1 using 2:(keep(3) ? $3 : NaN) with lines lw 3 lc rgb '#CC79A7' title 'rho = 1.1' noenhanced, \
    data skip 1 using 2:(keep(4) ? $3 : NaN) with lines lw 3 lc rgb '#E69F00' title 'rho = 1.5' noenhanced
set output
