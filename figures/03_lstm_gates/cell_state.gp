# cell_state.gp: written by unrolled (03_lstm_gates). Redraw it from this folder with
#     gnuplot cell_state.gp
# The data is cell_state.csv: a header row of column labels, then one row per matrix row
# starting with its label. cell_state.png is the same matrix drawn by unrolled itself.

if (!exists("outfile")) outfile = 'cell_state_gp.png'
set terminal pngcairo size 1280,547 enhanced font 'Sans,16'
set output outfile
set encoding utf8
set datafile separator comma
set title 'Cell state c_t = f_t c_{t-1} + i_t g_t' noenhanced
set xlabel 'time step t' noenhanced
set ylabel 'unit' noenhanced
set cblabel 'c' noenhanced
set cblabel offset 2,0
set palette defined (0 '#053061', 0.2 '#4393c3', 0.4 '#d1e5f0', 0.5 '#f7f7f7', 0.6 '#fddbc7', 0.8 '#d6604d', 1 '#67001f')
set cbrange [-3.5562489:3.5562489]
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
plot 'cell_state.csv' matrix every ::1:1 \
    using (0 + ($1 - 1) * 1):(0 + ($2 - 1) * 1):(shade($3)) with image notitle, \
    $path0 using 1:2 with lines lw 4 lc rgb '#000000' title 'first mark, t = 1 (right of the line)', \
    $path0 every ::0::0 using 1:2 with points pt 7 ps 2.5 lc rgb '#000000' notitle, \
    $path1 using 1:2 with lines lw 4 lc rgb '#000000' title 'second mark, t = 44 (right of the line)', \
    $path1 every ::0::0 using 1:2 with points pt 7 ps 2.5 lc rgb '#000000' notitle
set output
