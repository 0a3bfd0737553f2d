/**
 * Finding provider implementations: built-ins, the class path, and plugin jars with isolated class loaders.
 * See {@link dev.netext.daemon.plugin.ProviderResolver}.
 */
package dev.netext.daemon.plugin;
