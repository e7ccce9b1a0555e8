# attention_multi30k_1.gp: written by unrolled (07_attention). Redraw it from this folder with
#     gnuplot attention_multi30k_1.gp
# The data is attention_multi30k_1.csv: a header row of column labels, then one row per matrix row
# starting with its label. attention_multi30k_1.png is the same matrix drawn by unrolled itself.

if (!exists("outfile")) outfile = 'attention_multi30k_1_gp.png'
set terminal pngcairo size 1280,1052 enhanced font 'Sans,16'
set output outfile
set encoding utf8
set datafile separator comma
set title '"ein mann mit einem orangefarbenen hut , der etwas anstarrt ." -> "a man in an orange hat is'."\n".'something something ."' noenhanced
set xlabel 'source, as the encoder reads it' noenhanced
set ylabel 'output, step by step' noenhanced
set cblabel 'attention weight' noenhanced
set cblabel offset 2,0
set palette defined (0 '#440154', 0.125 '#472c7a', 0.25 '#3b518b', 0.375 '#2c718e', 0.5 '#21908d', 0.625 '#27ad81', 0.75 '#5cc863', 0.875 '#aadc32', 1 '#fde725')
set cbrange [0:1]
set format cb '%g'
shade(v) = v
set size ratio 0.8462
set tics out nomirror
set cbtics out
set xrange [-0.5:12.5]
set yrange [10.5:-0.5]
set xtics ('<sos>' 0, 'ein' 1, 'mann' 2, 'mit' 3, 'einem' 4, 'orangefarbenen' 5, 'hut' 6, ',' 7, 'der' 8, 'etwas' 9, '<unk>' 10, '.' 11, '<eos>' 12) rotate by 90 right noenhanced
set ytics ('a' 0, 'man' 1, 'in' 2, 'an' 3, 'orange' 4, 'hat' 5, 'is' 6, 'something' 7, 'something' 8, '.' 9, '<eos>' 10) noenhanced
unset key
plot 'attention_multi30k_1.csv' matrix every ::1:1 \
    using (0 + ($1 - 1) * 1):(0 + ($2 - 1) * 1):(shade($3)) with image notitle
set output
