# attention_dates_3.gp: written by unrolled (07_attention). Redraw it from this folder with
#     gnuplot attention_dates_3.gp
# The data is attention_dates_3.csv: a header row of column labels, then one row per matrix row
# starting with its label. attention_dates_3.png is the same matrix drawn by unrolled itself.

if (!exists("outfile")) outfile = 'attention_dates_3_gp.png'
set terminal pngcairo size 1280,1062 enhanced font 'Sans,16'
set output outfile
set encoding utf8
set datafile separator comma
set title '"the 31st of december 2011" -> "2011 - 12 - 31"' noenhanced
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
set xtics ('<sos>' 0, 'the' 1, '31st' 2, 'of' 3, 'december' 4, '2011' 5, '<eos>' 6) rotate by 90 right noenhanced
set ytics ('2011' 0, '-' 1, '12' 2, '-' 3, '31' 4, '<eos>' 5) noenhanced
unset key
plot 'attention_dates_3.csv' matrix every ::1:1 \
    using (0 + ($1 - 1) * 1):(0 + ($2 - 1) * 1):(shade($3)) with image notitle
set output
