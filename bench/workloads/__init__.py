"""The benchmark workloads, one file each; `floors` holds the hand-written numpy networks."""
