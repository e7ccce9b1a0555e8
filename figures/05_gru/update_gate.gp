# update_gate.gp: written by unrolled (05_gru). Redraw it from this folder with
#     gnuplot update_gate.gp
# The data is update_gate.csv, one row per point: series,x,y,label (series numbered from 0).
# Edit freely; the chapter overwrites this file when it runs again.

if (!exists("outfile")) outfile = 'update_gate.png'
data = 'update_gate.csv'
set terminal pngcairo size 1280,800 enhanced font 'Sans,16' linewidth 1.5
set output outfile
set encoding utf8
set datafile separator comma
set key opaque box
set key below maxcols 1
set bmargin 11.5
set grid lc rgb '#d9d9d9' lw 1
set border lw 1.2
set title font ',20'
set title 'The highway gates along the 1000 steps: mean over the 32 units, and the GRUs'' spread' noenhanced
set xlabel 'time step t' noenhanced
set ylabel 'gate value' noenhanced
set xrange [0:1000]
set yrange [0:1]

# A row belongs to series k and can be drawn on these axes when:
keep(k) = column(1) == k
plot \
    data skip 1 using 2:(keep(0) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#0072B2' title 'LSTM: mean forget gate f_t' noenhanced, \
    data skip 1 using 2:(keep(1) ? $3 : NaN) with lines lw 3 lc rgb '#D55E00' title 'GRU: mean update gate z_t' noenhanced, \
    data skip 1 using 2:(keep(2) ? $3 : NaN) with lines lw 3 lc rgb '#009E73' title 'GRU, b_z = 3: mean update gate z_t' noenhanced, \
    data skip 1 using 2:(keep(3) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#D55E00' title 'GRU: smallest and largest z_t of a unit' noenhanced, \
    data skip 1 using 2:(keep(4) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#D55E00' title '' noenhanced, \
    data skip 1 using 2:(keep(5) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#009E73' title 'GRU, b_z = 3: smallest and largest z_t of a unit' noenhanced, \
    data skip 1 using 2:(keep(6) ? $3 : NaN) with lines lw 3 dt (12,8) lc rgb '#009E73' title '' noenhanced
set output
