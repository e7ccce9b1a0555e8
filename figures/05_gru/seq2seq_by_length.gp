# seq2seq_by_length.gp: written by unrolled (05_gru). Redraw it from this folder with
#     gnuplot seq2seq_by_length.gp
# The data is seq2seq_by_length.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'seq2seq_by_length.png'
data = 'seq2seq_by_length.csv'
set terminal pngcairo size 1280,800 enhanced font 'Sans,16' linewidth 1.5
set output outfile
set encoding utf8
set datafile separator comma
set key opaque box
set key below maxcols 2
set bmargin 6.5
set grid lc rgb '#d9d9d9' lw 1
set border lw 1.2
set title font ',20'
set title 'Exact match against source length (test set)' noenhanced
set xlabel 'source length (words, <sos> and <eos> not counted)' noenhanced
set ylabel 'exact match (%)' noenhanced
set yrange [0:105]
set xtics 1

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#d55e00' title 'GRU, Cho et al.: 92.0% exact overall' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#009e73' title 'GRU, no context: 90.7% exact overall' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with linespoints lw 2.5 pt 7 ps 1.2 lc rgb '#0072b2' title 'LSTM, chapter 04: 1.5% exact overall' noenhanced
set output
