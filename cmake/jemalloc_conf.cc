// jemalloc's build-time options for every plateau executable.
//
// Profiling is compiled in but inactive at start: the soak runner switches it
// on (`prof.active`) for the measured phase only, so warm-up allocations and
// the cost of sampling stay out of the picture. One sample per 2^14 bytes
// (16 KiB) on average: fine enough that a leak of a few hundred KiB over a
// gate run stands out of the diff (at 512 KiB it came and went with the
// draw), for about 6% of the nightly's wall time. PLATEAU_LG_PROF_SAMPLE or
// MALLOC_CONF override it. A scenario picks its own rate for the run
// (verdict.sites.sample_bytes, applied with prof.reset when sampling starts:
// gate 2 KiB, nightly 1 KiB); this default is what the rest start with.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "prof:true,prof_active:false,lg_prof_sample:14";
}
