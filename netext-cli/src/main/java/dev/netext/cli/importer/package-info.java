/**
 * {@code netext import}: Apple configuration profiles ({@link dev.netext.cli.importer.MobileconfigImporter} over
 * {@link dev.netext.cli.importer.Plist}, a hardened reader of XML property lists) and wg-quick files
 * ({@link dev.netext.cli.importer.WgQuickImporter}) become netext profiles.
 */
package dev.netext.cli.importer;
