# sharp_edge.gp: written by unrolled (01_rnn_gradients). Redraw it from this folder with
#     gnuplot sharp_edge.gp
# The data is sharp_edge.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'sharp_edge.png'
data = 'sharp_edge.csv'
set terminal pngcairo size 1280,800 enhanced font 'Sans,16' linewidth 1.5
set output outfile
set encoding utf8
set datafile separator comma
set key opaque box
set key top left
set grid lc rgb '#d9d9d9' lw 1
set border lw 1.2
set title font ',20'
set title 'Gradient reaching h_0 from h_1000, against the spectral radius' noenhanced
set xlabel 'spectral radius rho of W_h' noenhanced
set ylabel 'log10 ||dL/dh_0||' noenhanced

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with lines lw 3 lc rgb '#0072B2' title 'linear' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with lines lw 3 lc rgb '#D55E00' title 'tanh' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with lines lw 3 lc rgb '#009E73' title 'relu' noenhanced
set output
