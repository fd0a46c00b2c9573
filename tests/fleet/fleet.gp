# SPDX-License-Identifier: MIT
# Plot of make fleet's CSV (fleet_sim --csv): gnuplot -e "csv='...'; png='...'" fleet.gp
# Columns: minute, then for jitter and without: peak req/s in the minute,
# mean req/s, tokens issued, most devices without a token.
set datafile separator ','
set terminal pngcairo size 1200,1000 font ',10'
set output png
set key top right
set grid
set multiplot layout 3,1
set title 'Token requests per second at the provider (highest second of each minute), whole run'
set xlabel 'hours since boot'
set ylabel 'requests/s'
set logscale y
plot csv skip 1 using ($1/60.0):($6 > 0 ? $6 : 1/0) with lines lw 1 lc rgb '#d62728' title 'no jitter', \
     csv skip 1 using ($1/60.0):($2 > 0 ? $2 : 1/0) with lines lw 1 lc rgb '#1f77b4' title 'refresh-ahead jitter (default)'
set title 'The first 6 hours: boot (throttled), then the refresh waves'
set xrange [0:6]
plot csv skip 1 using ($1/60.0):($6 > 0 ? $6 : 1/0) with lines lw 1.5 lc rgb '#d62728' title 'no jitter', \
     csv skip 1 using ($1/60.0):($2 > 0 ? $2 : 1/0) with lines lw 1.5 lc rgb '#1f77b4' title 'jitter'
set xrange [*:*]
set title 'Devices without a valid token (most in each minute): boot, device links down, the identity provider down'
set ylabel 'devices'
plot csv skip 1 using ($1/60.0):($9 > 0 ? $9 : 1/0) with lines lw 1.5 lc rgb '#d62728' title 'no jitter', \
     csv skip 1 using ($1/60.0):($5 > 0 ? $5 : 1/0) with lines lw 1 lc rgb '#1f77b4' title 'jitter'
unset multiplot
