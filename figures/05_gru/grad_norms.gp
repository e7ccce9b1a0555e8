# grad_norms.gp: written by unrolled (05_gru). Redraw it from this folder with
#     gnuplot grad_norms.gp
# The data is grad_norms.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'grad_norms.png'
data = 'grad_norms.csv'
set terminal pngcairo size 1280,800 enhanced font 'Sans,16' linewidth 1.5
set output outfile
set encoding utf8
set datafile separator comma
set key opaque box
set key below maxcols 1
set bmargin 11.5
set grid lc rgb '#d9d9d9' lw 1
set border lw 1.2
set title font ',20'
set title 'Gradient of L = sum h_1000 reaching step t (H = 32, x_t = 1, PyTorch init)' noenhanced
set xlabel 'time step t' noenhanced
set ylabel 'log10 ||dL/dh_t||  (log scale: -100 means 1e-100)' noenhanced
set xrange [0:1000]

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with lines lw 3 lc rgb '#000000' title 'tanh RNN' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with lines lw 3 lc rgb '#0072B2' title 'LSTM' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with lines lw 3 lc rgb '#D55E00' title 'GRU' noenhanced, \
    data skip 1 using 2:(keep(3) ? $3 : NaN) with lines lw 3 lc rgb '#009E73' title 'GRU, b_z = 3' noenhanced, \
    data skip 1 using 2:(keep(4) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#D55E00' title 'GRU, float32 autograd (stalls at subnormals)' noenhanced, \
    data skip 1 using 2:(keep(5) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#888888' title 'float32''s smallest subnormal, 1.4e-45' noenhanced, \
    data skip 1 using 2:(keep(6) ? $3 : NaN) with points pt 7 ps 1.4 lc rgb '#000000' title 'float32 autograd: dL/dh_t = 0 from here back' noenhanced
set output
