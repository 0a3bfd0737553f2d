/**
 * Per-provider memory budgets: {@link dev.netext.daemon.memory.ThreadGroupAllocation} measures what a provider's
 * threads allocate, {@link dev.netext.daemon.memory.MemoryWatch} sums it over the budget's sliding window and says
 * when the soft or hard limit is crossed; the component publishes {@code MemoryBudgetExceeded}, warns the provider
 * ({@code ProviderContext.onMemoryPressure}) and at the hard limit stops it with {@code StopReason.MEMORY_LIMIT}.
 */
package dev.netext.daemon.memory;
