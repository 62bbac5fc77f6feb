// util/memory.h — this process's memory use, for logs and stage records.
//
//   IV_LOG(info) << "RSS " << current_rss_mib() << " MiB, peak " << peak_rss_mib() << " MiB";
//   reset_peak_rss();  run_stage();  double stage_peak = peak_rss_mib();   // one stage's own peak
#pragma once

namespace insightv {

double current_rss_mib();  // resident set size now (/proc/self/status VmRSS); -1 if unknown
double peak_rss_mib();     // the largest resident set size since the start or reset_peak_rss()
// Starts a new peak window: the kernel's high-water mark is set to the current RSS (writes "5"
// to /proc/self/clear_refs, Linux 4.0+). False where the kernel refuses (the peak then stays
// the process-wide one).
bool reset_peak_rss();
void release_free_memory(); // returns the allocator's free memory to the system (malloc_trim)

}  // namespace insightv
