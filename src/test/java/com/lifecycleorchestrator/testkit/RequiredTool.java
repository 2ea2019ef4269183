package com.lifecycleorchestrator.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A command-line tool that a test needs and a developer's machine may lack. Where it is missing the
 * test is skipped with a message that says how to get it; under {@code CI=true} it fails instead,
 * because CI must never skip a check silently.
 */
public final class RequiredTool {

  private RequiredTool() {}

  /**
   * The tool's executable on {@code PATH}.
   *
   * @param command the executable's name, such as {@code cfn-lint}
   * @param howToInstall what a developer runs to get it, for the skip message
   */
  public static Path onPath(String command, String howToInstall) {
    return onPath(command, howToInstall, System.getenv());
  }

  static Path onPath(String command, String howToInstall, Map<String, String> env) {
    Optional<Path> found = find(command, env.getOrDefault("PATH", ""));
    require(found.isPresent(), command + " is not on PATH, so this check cannot run; install it with: "
        + howToInstall, env);
    return found.orElseThrow();
  }

  /**
   * The same rule for something a check needs besides a tool on {@code PATH}, such as the data a
   * tool ships with: returns if it is there, else skips the test, or fails it under {@code CI=true}.
   *
   * @param missing what is missing and how to get it, for the message
   */
  public static void require(boolean present, String missing) {
    require(present, missing, System.getenv());
  }

  static void require(boolean present, String missing, Map<String, String> env) {
    if (present) {
      return;
    }
    if ("true".equalsIgnoreCase(env.get("CI"))) {
      Assertions.fail(missing + " (CI=true: a missing tool fails the build rather than skipping)");
    }
    Assumptions.abort(missing);
  }

  private static Optional<Path> find(String command, String path) {
    return Stream.of(path.split(File.pathSeparator))
        .filter(directory -> !directory.isEmpty())
        .map(directory -> Path.of(directory, command))
        .filter(candidate -> Files.isRegularFile(candidate) && Files.isExecutable(candidate))
        .findFirst();
  }
}
