# gru_reset_gate.gp: written by unrolled (05_gru). Redraw it from this folder with
#     gnuplot gru_reset_gate.gp
# The data is gru_reset_gate.csv: a header row of column labels, then one row per matrix row
# starting with its label. gru_reset_gate.png is the same matrix drawn by unrolled itself.

if (!exists("outfile")) outfile = 'gru_reset_gate_gp.png'
set terminal pngcairo size 1280,547 enhanced font 'Sans,16'
set output outfile
set encoding utf8
set datafile separator comma
set title 'Reset gate r_t: how much of h_{t-1} the candidate sees' noenhanced
set xlabel 'time step t' noenhanced
set ylabel 'unit' noenhanced
set cblabel 'r' noenhanced
set cblabel offset 2,0
set palette defined (0 '#440154', 0.125 '#472c7a', 0.25 '#3b518b', 0.375 '#2c718e', 0.5 '#21908d', 0.625 '#27ad81', 0.75 '#5cc863', 0.875 '#aadc32', 1 '#fde725')
set cbrange [0:1]
set format cb '%g'
shade(v) = v
set size ratio 0.3200
set tics out nomirror
set cbtics out
set xrange [-0.5:49.5]
set yrange [15.5:-0.5]
set xtics ('0' 0, '' 2, '' 4, '' 6, '' 8, '10' 10, '' 12, '' 14, '' 16, '' 18, '20' 20, '' 22, '' 24, '' 26, '' 28, '30' 30, '' 32, '' 34, '' 36, '' 38, '40' 40, '' 42, '' 44, '' 46, '' 48) rotate by 90 right noenhanced
set key outside top center horizontal noenhanced
$path0 << EOD
0.5,-0.5
0.5,15.5
EOD
$path1 << EOD
43.5,-0.5
43.5,15.5
EOD
plot 'gru_reset_gate.csv' matrix every ::1:1 \
    using (0 + ($1 - 1) * 1):(0 + ($2 - 1) * 1):(shade($3)) with image notitle, \
    $path0 using 1:2 with lines lw 4 lc rgb '#ff3c3c' title 'first mark, t = 1 (right of the line)', \
    $path0 every ::0::0 using 1:2 with points pt 7 ps 2.5 lc rgb '#ff3c3c' notitle, \
    $path1 using 1:2 with lines lw 4 lc rgb '#ff3c3c' title 'second mark, t = 44 (right of the line)', \
    $path1 every ::0::0 using 1:2 with points pt 7 ps 2.5 lc rgb '#ff3c3c' notitle
set output
