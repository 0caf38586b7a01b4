module causal.invalid/workloads

go 1.19
