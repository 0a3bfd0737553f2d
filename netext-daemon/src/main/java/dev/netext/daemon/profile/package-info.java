/**
 * Profiles: YAML files that declare what netext runs, read into immutable, validated records.
 *
 * <p>{@link dev.netext.daemon.profile.ProfileLoader#load} reads a file into a {@link dev.netext.daemon.profile.Profile}
 * or throws a {@link dev.netext.daemon.profile.ProfileException} listing every problem as
 * {@code file:line: key.path: reason}. Nothing here touches the network or runs provider code.
 *
 * <p>Each section has its own {@link dev.netext.daemon.profile.SectionParser}: {@code TunnelSectionParser} for
 * {@code tunnel}, with {@code NetworkSettingsParser}, {@code DnsSettingsParser} and {@code ProxySettingsParser} for
 * its nested mappings. A new top-level section ({@code dns}, {@code filter}, {@code proxies}, {@code packet-filter},
 * {@code on-demand}) is added by:
 * <ol>
 *   <li>a record for its model and a {@code SectionParser} for it, reading values through
 *       {@link dev.netext.daemon.profile.Checks} ({@code fields} rejects unknown keys with a did-you-mean;
 *       {@code string}, {@code bool}, {@code integer}, {@code list} report type mismatches);</li>
 *   <li>adding the parser to {@code ProfileLoader.sections()} (which also makes its key known at the top level);</li>
 *   <li>adding an {@code Optional<…>} component to {@code Profile}, set in {@code ProfileLoader.build}, and a line
 *       in {@code Profile.describe()}.</li>
 * </ol>
 */
package dev.netext.daemon.profile;
