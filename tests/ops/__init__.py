"""Operations: the seed, supervision, deployment files, retention, faults."""
