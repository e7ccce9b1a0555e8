# attention_multi30k_2.gp: written by unrolled (07_attention). Redraw it from this folder with
#     gnuplot attention_multi30k_2.gp
# The data is attention_multi30k_2.csv: a header row of column labels, then one row per matrix row
# starting with its label. attention_multi30k_2.png is the same matrix drawn by unrolled itself.

if (!exists("outfile")) outfile = 'attention_multi30k_2_gp.png'
set terminal pngcairo size 1280,1121 enhanced font 'Sans,16'
set output outfile
set encoding utf8
set datafile separator comma
set title '"ein boston terrier läuft über saftig-grünes gras vor einem weißen zaun ." -> "an athlete is running'."\n".'through grass grass in front of a white fence ."' noenhanced
set xlabel 'source, as the encoder reads it' noenhanced
set ylabel 'output, step by step' noenhanced
set cblabel 'attention weight' noenhanced
set cblabel offset 2,0
set palette defined (0 '#440154', 0.125 '#472c7a', 0.25 '#3b518b', 0.375 '#2c718e', 0.5 '#21908d', 0.625 '#27ad81', 0.75 '#5cc863', 0.875 '#aadc32', 1 '#fde725')
set cbrange [0:1]
set format cb '%g'
shade(v) = v
set size ratio 0.9184
set tics out nomirror
set cbtics out
set xrange [-0.5:13.5]
set yrange [14.5:-0.5]
set xtics ('<sos>' 0, 'ein' 1, 'boston' 2, 'terrier' 3, 'läuft' 4, 'über' 5, '<unk>' 6, 'gras' 7, 'vor' 8, 'einem' 9, 'weißen' 10, 'zaun' 11, '.' 12, '<eos>' 13) rotate by 90 right noenhanced
set ytics ('an' 0, 'athlete' 1, 'is' 2, 'running' 3, 'through' 4, 'grass' 5, 'grass' 6, 'in' 7, 'front' 8, 'of' 9, 'a' 10, 'white' 11, 'fence' 12, '.' 13, '<eos>' 14) noenhanced
unset key
plot 'attention_multi30k_2.csv' matrix every ::1:1 \
    using (0 + ($1 - 1) * 1):(0 + ($2 - 1) * 1):(shade($3)) with image notitle
set output
