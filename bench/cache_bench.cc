// BoundedCache benchmarks: written by the cache component.
