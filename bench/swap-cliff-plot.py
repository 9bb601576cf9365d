#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Draws the swap-cliff table (bench/swap-cliff --csv FILE) as an SVG line chart, with
# the standard library only. Usage: swap-cliff-plot.py IN.csv OUT.svg
import csv
import sys

rows = list(csv.reader(open(sys.argv[1])))
head, data = rows[0], [[float(x) for x in r] for r in rows[1:] if r]
W, H, L, R, T, B = 640, 400, 70, 150, 30, 50
xs = [r[0] for r in data]
ymax = max(max(r[1:]) for r in data) * 1.1
xmax = max(xs) * 1.05


def px(x):
    return L + (W - L - R) * x / xmax


def py(y):
    return H - B - (H - T - B) * y / ymax


colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
       f'font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<line x1="{L}" y1="{H-B}" x2="{W-R}" y2="{H-B}" stroke="black"/>',
       f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H-B}" stroke="black"/>',
       f'<text x="{(L+W-R)/2}" y="{H-10}" text-anchor="middle">VMs</text>',
       f'<text x="15" y="{(T+H-B)/2}" transform="rotate(-90 15 {(T+H-B)/2})" '
       f'text-anchor="middle">requests per simulated second</text>']
for i in range(6):
    y = ymax / 1.1 * i / 5
    out.append(f'<text x="{L-5}" y="{py(y)+4:.1f}" text-anchor="end">{y/1000:.0f}k</text>')
    out.append(f'<line x1="{L}" y1="{py(y):.1f}" x2="{W-R}" y2="{py(y):.1f}" stroke="#ddd"/>')
for x in xs:
    out.append(f'<text x="{px(x):.1f}" y="{H-B+15}" text-anchor="middle" font-size="10">{x:.0f}</text>')
for c in range(1, len(head)):
    pts = " ".join(f"{px(r[0]):.1f},{py(r[c]):.1f}" for r in data)
    col = colors[(c - 1) % len(colors)]
    out.append(f'<polyline points="{pts}" fill="none" stroke="{col}" stroke-width="2"/>')
    for r in data:
        out.append(f'<circle cx="{px(r[0]):.1f}" cy="{py(r[c]):.1f}" r="3" fill="{col}"/>')
    label = head[c].replace("block_", "").replace("k", " KiB blocks")
    out.append(f'<text x="{W-R+10}" y="{T+20*c}" fill="{col}">{label}</text>')
out.append("</svg>")
open(sys.argv[2], "w").write("\n".join(out) + "\n")
