# Helpers shared by bench-vs-dive.sh and bench-sources.sh (sourced, not run).
# Needs $work, $runs, and hyperfine, GNU time and python3 on the PATH.

peak_mb() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}'; }
ratio() { python3 -c "print('%.1fx' % ($1 / $2))"; }
ratio2() { python3 -c "print('%.2fx' % ($1 / $2))"; }
# hyperfine on the commands given, in $rounds rounds of $runs/$rounds runs each, so
# that the tools alternate in blocks through the whole measurement (this machine's
# speed drifts); prints each command's median over all its runs, in seconds.
rounds=${ROUNDS:-3}
hf() { # name, commands...
  local name=$1; shift
  local n=${HF_ROUNDS:-$rounds}
  local per=$(( (runs + n - 1) / n )) r files=()
  for r in $(seq "$n"); do
    hyperfine --style none --warmup 1 --runs "$per" --export-json "$work/hf-$name-$r.json" "$@" >/dev/null 2>&1
    files+=("$work/hf-$name-$r.json")
  done
  python3 - "${files[@]}" <<'PY'
import json, statistics, sys
times = {}
for f in sys.argv[1:]:
    for i, r in enumerate(json.load(open(f))["results"]):
        times.setdefault(i, []).extend(r["times"])
print(" ".join("%.3f" % statistics.median(times[i]) for i in sorted(times)))
PY
}
