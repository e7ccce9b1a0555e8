# attention_dates_1.gp: written by unrolled (07_attention). Redraw it from this folder with
#     gnuplot attention_dates_1.gp
# The data is attention_dates_1.csv: a header row of column labels, then one row per matrix row
# starting with its label. attention_dates_1.png is the same matrix drawn by unrolled itself.

if (!exists("outfile")) outfile = 'attention_dates_1_gp.png'
set terminal pngcairo size 1280,960 enhanced font 'Sans,16'
set output outfile
set encoding utf8
set datafile separator comma
set title '"sonntag , 8 . februar 1998" -> "1998 - 02 - 08"' noenhanced
set xlabel 'source, as the encoder reads it' noenhanced
set ylabel 'output, step by step' noenhanced
set cblabel 'attention weight' noenhanced
set cblabel offset 2,0
set palette defined (0 '#440154', 0.125 '#472c7a', 0.25 '#3b518b', 0.375 '#2c718e', 0.5 '#21908d', 0.625 '#27ad81', 0.75 '#5cc863', 0.875 '#aadc32', 1 '#fde725')
set cbrange [0:1]
set format cb '%g'
shade(v) = v
set size ratio 0.7500
set tics out nomirror
set cbtics out
set xrange [-0.5:7.5]
set yrange [5.5:-0.5]
set xtics ('<sos>' 0, 'sonntag' 1, ',' 2, '8' 3, '.' 4, 'februar' 5, '1998' 6, '<eos>' 7) rotate by 90 right noenhanced
set ytics ('1998' 0, '-' 1, '02' 2, '-' 3, '08' 4, '<eos>' 5) noenhanced
unset key
plot 'attention_dates_1.csv' matrix every ::1:1 \
    using (0 + ($1 - 1) * 1):(0 + ($2 - 1) * 1):(shade($3)) with image notitle
set output
