# attention_dates_4.gp: written by unrolled (07_attention). Redraw it from this folder with
#     gnuplot attention_dates_4.gp
# The data is attention_dates_4.csv: a header row of column labels, then one row per matrix row
# starting with its label. attention_dates_4.png is the same matrix drawn by unrolled itself.

if (!exists("outfile")) outfile = 'attention_dates_4_gp.png'
set terminal pngcairo size 1280,1062 enhanced font 'Sans,16'
set output outfile
set encoding utf8
set datafile separator comma
set title '"23 . 4 . 2025" -> "2025 - 04 - 23"' noenhanced
set xlabel 'source, as the encoder reads it' noenhanced
set ylabel 'output, step by step' noenhanced
set cblabel 'attention weight' noenhanced
set cblabel offset 2,0
set palette defined (0 '#440154', 0.125 '#472c7a', 0.25 '#3b518b', 0.375 '#2c718e', 0.5 '#21908d', 0.625 '#27ad81', 0.75 '#5cc863', 0.875 '#aadc32', 1 '#fde725')
set cbrange [0:1]
set format cb '%g'
shade(v) = v
set size ratio 0.8571
set tics out nomirror
set cbtics out
set xrange [-0.5:6.5]
set yrange [5.5:-0.5]
set xtics ('<sos>' 0, '23' 1, '.' 2, '4' 3, '.' 4, '2025' 5, '<eos>' 6) rotate by 90 right noenhanced
set ytics ('2025' 0, '-' 1, '04' 2, '-' 3, '23' 4, '<eos>' 5) noenhanced
unset key
plot 'attention_dates_4.csv' matrix every ::1:1 \
    using (0 + ($1 - 1) * 1):(0 + ($2 - 1) * 1):(shade($3)) with image notitle
set output
