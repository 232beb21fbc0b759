"""The machine a run trains on: BLAS threads, CPU load, stop signals, the progress line, the benchmark."""
