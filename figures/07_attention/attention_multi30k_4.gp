# attention_multi30k_4.gp: written by unrolled (07_attention). Redraw it from this folder with
#     gnuplot attention_multi30k_4.gp
# The data is attention_multi30k_4.csv: a header row of column labels, then one row per matrix row
# starting with its label. attention_multi30k_4.png is the same matrix drawn by unrolled itself.

if (!exists("outfile")) outfile = 'attention_multi30k_4_gp.png'
set terminal pngcairo size 1280,1200 enhanced font 'Sans,16'
set output outfile
set encoding utf8
set datafile separator comma
set title '"fünf leute in winterjacken und mit helmen stehen im schnee mit schneemobilen im hintergrund ." ->'."\n".'"five people in winter jackets and helmets and standing in snow with with in in the background ."' noenhanced
set xlabel 'source, as the encoder reads it' noenhanced
set ylabel 'output, step by step' noenhanced
set cblabel 'attention weight' noenhanced
set cblabel offset 2,0
set palette defined (0 '#440154', 0.125 '#472c7a', 0.25 '#3b518b', 0.375 '#2c718e', 0.5 '#21908d', 0.625 '#27ad81', 0.75 '#5cc863', 0.875 '#aadc32', 1 '#fde725')
set cbrange [0:1]
set format cb '%g'
shade(v) = v
set size ratio 1.1176
set tics out nomirror
set cbtics out
set xrange [-0.5:16.5]
set yrange [18.5:-0.5]
set xtics ('<sos>' 0, 'fünf' 1, 'leute' 2, 'in' 3, 'winterjacken' 4, 'und' 5, 'mit' 6, 'helmen' 7, 'stehen' 8, 'im' 9, 'schnee' 10, 'mit' 11, '<unk>' 12, 'im' 13, 'hintergrund' 14, '.' 15, '<eos>' 16) rotate by 90 right noenhanced
set ytics ('five' 0, 'people' 1, 'in' 2, 'winter' 3, 'jackets' 4, 'and' 5, 'helmets' 6, 'and' 7, 'standing' 8, 'in' 9, 'snow' 10, 'with' 11, 'with' 12, 'in' 13, 'in' 14, 'the' 15, 'background' 16, '.' 17, '<eos>' 18) noenhanced
unset key
plot 'attention_multi30k_4.csv' matrix every ::1:1 \
    using (0 + ($1 - 1) * 1):(0 + ($2 - 1) * 1):(shade($3)) with image notitle
set output
