# bottleneck_by_length.gp: written by unrolled (05_gru). Redraw it from this folder with
#     gnuplot bottleneck_by_length.gp
# The data is bottleneck_by_length.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'bottleneck_by_length.png'
data = 'bottleneck_by_length.csv'
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
set title 'Copying 3 to 30 symbols through one context vector (test set)' noenhanced
set xlabel 'source length (symbols)' noenhanced
set ylabel 'exact match or BLEU (%)' noenhanced
set yrange [0:105]

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#d55e00' title 'GRU, Cho et al., H = 128: exact match' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#d55e00' title 'GRU, Cho et al., H = 128: BLEU' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#000000' title 'chapter 04''s seq2seq_lstm (its copy_by_length.csv): exact match' noenhanced, \
    data skip 1 using 2:(keep(3) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#000000' title 'chapter 04''s seq2seq_lstm (its copy_by_length.csv): BLEU' noenhanced
set output
