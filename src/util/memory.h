// util/memory.h — this process's memory use, for logs and stage records.
//
//   IV_LOG(info) << "RSS " << current_rss_mib() << " MiB, peak " << peak_rss_mib() << " MiB";
#pragma once

namespace insightv {

double current_rss_mib();  // resident set size now (/proc/self/status VmRSS); -1 if unknown
double peak_rss_mib();     // the largest resident set size so far (getrusage ru_maxrss)
void release_free_memory(); // returns the allocator's free memory to the system (malloc_trim)

}  // namespace insightv
