# loss_curves.gp: written by unrolled (07_attention). Redraw it from this folder with
#     gnuplot loss_curves.gp
# The data is loss_curves.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'loss_curves.png'
data = 'loss_curves.csv'
set terminal pngcairo size 1280,800 enhanced font 'Sans,16' linewidth 1.5
set output outfile
set encoding utf8
set datafile separator comma
set key opaque box
set key below maxcols 1
set bmargin 8.5
set grid lc rgb '#d9d9d9' lw 1
set border lw 1.2
set title font ',20'
set title 'Bahdanau attention: cross-entropy per target word' noenhanced
set xlabel 'epoch' noenhanced
set ylabel 'loss (nats per word, log scale)' noenhanced
set logscale y
set format y '10^{%L}'
set xtics 1

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k && column(3) > 0
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#009e73' title 'mask: train (teacher forcing 0.5)' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#009e73' title 'mask: validation (own predictions fed back)' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#cc79a7' title 'no mask: train (teacher forcing 0.5)' noenhanced, \
    data skip 1 using 2:(keep(3) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#cc79a7' title 'no mask: validation (own predictions fed back)' noenhanced
set output
