# encoder_states.gp: written by unrolled (06_bidirectional). Redraw it from this folder with
#     gnuplot encoder_states.gp
# The data is encoder_states.csv: a header row of column labels, then one row per matrix row
# starting with its label. encoder_states.png is the same matrix drawn by unrolled itself.

if (!exists("outfile")) outfile = 'encoder_states_gp.png'
set terminal pngcairo size 1280,1200 enhanced font 'Sans,16'
set output outfile
set encoding utf8
set datafile separator comma
set title 'Encoder outputs [f_s ; g_s], one sentence' noenhanced
set xlabel 'source token, as the encoder reads it' noenhanced
set ylabel 'unit' noenhanced
set cblabel 'state value' noenhanced
set cblabel offset 2,0
set palette defined (0 '#053061', 0.2 '#4393c3', 0.4 '#d1e5f0', 0.5 '#f7f7f7', 0.6 '#fddbc7', 0.8 '#d6604d', 1 '#67001f')
set cbrange [-1:1]
set format cb '%g'
shade(v) = v
set size ratio 1.6842
set tics out nomirror
set cbtics out
set xrange [-0.5:7.5]
set yrange [255.5:-0.5]
set xtics ('<sos>' 0, 'sat' 1, ',' 2, 'jul' 3, '6' 4, ',' 5, '2030' 6, '<eos>' 7) rotate by 90 right noenhanced
set ytics ('fwd 0' 0, 'fwd 16' 16, 'fwd 32' 32, 'fwd 48' 48, 'fwd 64' 64, 'fwd 80' 80, 'fwd 96' 96, 'fwd 112' 112, 'bwd 0' 128, 'bwd 16' 144, 'bwd 32' 160, 'bwd 48' 176, 'bwd 64' 192, 'bwd 80' 208, 'bwd 96' 224, 'bwd 112' 240) noenhanced
set key outside top center horizontal noenhanced
$path0 << EOD
-0.5,127.5
7.5,127.5
EOD
plot 'encoder_states.csv' matrix every ::1:1 \
    using (0 + ($1 - 1) * 1):(0 + ($2 - 1) * 1):(shade($3)) with image notitle, \
    $path0 using 1:2 with lines lw 4 lc rgb '#000000' title 'forward units above the line, backward below', \
    $path0 every ::0::0 using 1:2 with points pt 7 ps 2.5 lc rgb '#000000' notitle
set output
