package com.lifecycleorchestrator.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that needs a command-line tool a user's machine may lack, such as the {@code aws} CLI or
 * {@code cfn-lint}. Without the tool on the PATH the test is skipped with a message saying what to
 * install; with the environment variable {@code CI} set to {@code true} it fails instead, so that
 * CI never skips it silently. {@link ToolCheck} holds the rule.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ToolCheck.class)
public @interface RequiresTool {

  /** The executable, as typed on a command line. */
  String value();

  /** How to get it, for the message of a skipped or failed test. */
  String install();
}
