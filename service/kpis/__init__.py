"""The KPI tree (centre -> team -> agent, and queues) in day/week/month buckets, and Pareto views of failure causes."""
