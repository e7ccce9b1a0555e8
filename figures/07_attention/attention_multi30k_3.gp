# attention_multi30k_3.gp: written by unrolled (07_attention). Redraw it from this folder with
#     gnuplot attention_multi30k_3.gp
# The data is attention_multi30k_3.csv: a header row of column labels, then one row per matrix row
# starting with its label. attention_multi30k_3.png is the same matrix drawn by unrolled itself.

if (!exists("outfile")) outfile = 'attention_multi30k_3_gp.png'
set terminal pngcairo size 1280,1121 enhanced font 'Sans,16'
set output outfile
set encoding utf8
set datafile separator comma
set title '"ein mädchen in einem karateanzug bricht ein brett mit einem tritt ." -> "a girl in karate karate'."\n".'uniform is performing a a with a backstroke ."' noenhanced
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
set xtics ('<sos>' 0, 'ein' 1, 'mädchen' 2, 'in' 3, 'einem' 4, 'karateanzug' 5, 'bricht' 6, 'ein' 7, 'brett' 8, 'mit' 9, 'einem' 10, 'tritt' 11, '.' 12, '<eos>' 13) rotate by 90 right noenhanced
set ytics ('a' 0, 'girl' 1, 'in' 2, 'karate' 3, 'karate' 4, 'uniform' 5, 'is' 6, 'performing' 7, 'a' 8, 'a' 9, 'with' 10, 'a' 11, 'backstroke' 12, '.' 13, '<eos>' 14) noenhanced
unset key
plot 'attention_multi30k_3.csv' matrix every ::1:1 \
    using (0 + ($1 - 1) * 1):(0 + ($2 - 1) * 1):(shade($3)) with image notitle
set output
