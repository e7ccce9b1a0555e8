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
set ytics ('fwd 0' 0, 'fwd 7' 7, 'fwd 14' 14, 'fwd 21' 21, 'fwd 28' 28, 'fwd 35' 35, 'fwd 42' 42, 'fwd 49' 49, 'fwd 56' 56, 'fwd 63' 63, 'fwd 70' 70, 'fwd 77' 77, 'fwd 84' 84, 'fwd 91' 91, 'fwd 98' 98, 'fwd 105' 105, 'fwd 112' 112, 'fwd 119' 119, 'fwd 126' 126, 'bwd 5' 133, 'bwd 12' 140, 'bwd 19' 147, 'bwd 26' 154, 'bwd 33' 161, 'bwd 40' 168, 'bwd 47' 175, 'bwd 54' 182, 'bwd 61' 189, 'bwd 68' 196, 'bwd 75' 203, 'bwd 82' 210, 'bwd 89' 217, 'bwd 96' 224, 'bwd 103' 231, 'bwd 110' 238, 'bwd 117' 245, 'bwd 124' 252) noenhanced
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
