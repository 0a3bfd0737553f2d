/**
 * {@code netext diagnose}: what a developer debugging a tunnel needs in one look. {@link
 * dev.netext.daemon.diagnose.Diagnosis} reads the kernel (rtnetlink, {@code /proc/sys}, the state ledgers) into a
 * {@link dev.netext.daemon.diagnose.NetworkSnapshot}; {@link dev.netext.daemon.diagnose.ConflictDetector} and
 * {@link dev.netext.daemon.diagnose.PolicyRouting} are pure functions over the snapshot; {@link
 * dev.netext.daemon.diagnose.TextReport} and {@link dev.netext.daemon.diagnose.JsonReport} render the result.
 */
package dev.netext.daemon.diagnose;
