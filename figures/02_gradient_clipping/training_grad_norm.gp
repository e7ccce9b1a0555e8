# training_grad_norm.gp: written by unrolled (02_gradient_clipping). Redraw it from this folder with
#     gnuplot training_grad_norm.gp
# The data is training_grad_norm.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'training_grad_norm.png'
data = 'training_grad_norm.csv'
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
set title 'Adding problem: global gradient norm before clipping' noenhanced
set xlabel 'SGD step' noenhanced
set ylabel '||g|| (all parameters)' noenhanced
set logscale y
set format y '10^{%L}'
unset mytics

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k && column(3) > 0
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with lines lw 3 lc rgb '#0072B2' title 'no clipping' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with lines lw 3 lc rgb '#D55E00' title 'clip by value (0.1)' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with lines lw 3 lc rgb '#009E73' title 'clip by norm (1)' noenhanced
set output
