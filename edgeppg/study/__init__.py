"""The paper's study as one command: a grid of teachers, students, strategies and seeds, run resumably
on one machine or a Ray cluster, then one results table and a report."""
