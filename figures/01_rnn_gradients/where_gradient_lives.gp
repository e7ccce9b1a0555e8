# where_gradient_lives.gp: written by unrolled (01_rnn_gradients). Redraw it from this folder with
#     gnuplot where_gradient_lives.gp
# The data is where_gradient_lives.csv: a header row of column labels, then one row per matrix row
# starting with its label. where_gradient_lives.png is the same matrix drawn by unrolled itself.

if (!exists("outfile")) outfile = 'where_gradient_lives_gp.png'
set terminal pngcairo size 1280,547 enhanced font 'Sans,16'
set output outfile
set encoding utf8
set datafile separator comma
set title 'tanh RNN: log10 |dL/dh_t[j]|, loss on h_T' noenhanced
set xlabel 'time step t' noenhanced
set ylabel 'hidden unit j' noenhanced
set cblabel 'log10 |dL/dh_t[j]|' noenhanced
set cblabel offset 2,0
set palette defined (0 '#440154', 0.125 '#472c7a', 0.25 '#3b518b', 0.375 '#2c718e', 0.5 '#21908d', 0.625 '#27ad81', 0.75 '#5cc863', 0.875 '#aadc32', 1 '#fde725')
set cbrange [-155.362488:0.102056369]
set format cb '%g'
shade(v) = v
set size ratio 0.3200
set tics out nomirror
set cbtics out
set xrange [-0.5:1000.5]
set yrange [31.5:-0.5]
unset key
plot 'where_gradient_lives.csv' matrix every ::1:1 \
    using (0 + ($1 - 1) * 1):(0 + ($2 - 1) * 1):(shade($3)) with image notitle
set output
