package dev.netext.testkit.netns;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A test that gets a {@link dev.netext.linux.netns.NetnsLab} parameter; see {@link NetnsExtension}. */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Test
@Tag("netns")
@ExtendWith(NetnsExtension.class)
public @interface NetnsTest {}
