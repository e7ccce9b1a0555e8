# payoff_multi30k_by_length.gp: written by unrolled (07_attention). Redraw it from this folder with
#     gnuplot payoff_multi30k_by_length.gp
# The data is payoff_multi30k_by_length.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'payoff_multi30k_by_length.png'
data = 'payoff_multi30k_by_length.csv'
set terminal pngcairo size 1280,800 enhanced font 'Sans,16' linewidth 1.5
set output outfile
set encoding utf8
set datafile separator comma
set key opaque box
set key below maxcols 1
set bmargin 8.5
set grid lc rgb '#d9d9d9' lw 1
set border lw 1.2
set title font ',20'
set title 'Multi30k: greedy translation quality against source length (test set)' noenhanced
set xlabel 'source length (words, bucket centre)' noenhanced
set ylabel 'BLEU' noenhanced
set yrange [0:*]

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#d55e00' title 'ch04 LSTM, fixed context: BLEU' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#e69f00' title 'ch05 GRU, context at every step: BLEU' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#56b4e9' title 'ch06 bidirectional encoder: BLEU' noenhanced, \
    data skip 1 using 2:(keep(3) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#009e73' title 'ch07 attention: BLEU' noenhanced
set output
