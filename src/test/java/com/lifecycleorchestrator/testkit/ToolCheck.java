package com.lifecycleorchestrator.testkit;

import java.io.File;
import java.lang.reflect.AnnotatedElement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The one rule for tests that need something a machine may lack: run where it is present, skip
 * where it is missing, and fail where it is missing under {@code CI=true}. {@link RequiresTool}
 * applies it to tools on the PATH; {@link #require} applies it to anything else a test checks.
 */
public final class ToolCheck implements BeforeAllCallback, BeforeEachCallback {

  /** What to do with a test whose requirement is met or not. */
  public enum Verdict {
    RUN,
    SKIP,
    FAIL
  }

  /** The rule itself: a missing requirement skips the test, except in CI, where it fails it. */
  public static Verdict verdict(boolean present, Map<String, String> environment) {
    if (present) {
      return Verdict.RUN;
    }
    return "true".equalsIgnoreCase(environment.get("CI")) ? Verdict.FAIL : Verdict.SKIP;
  }

  /** Applies the rule to the running test: returns if the requirement is met, else skips or fails. */
  public static void require(boolean present, String missing) {
    switch (verdict(present, System.getenv())) {
      case RUN -> { }
      case SKIP -> Assumptions.abort(missing + " (skipped; with CI=true this test fails instead)");
      case FAIL -> Assertions.fail(missing + " (CI=true: tests may not skip for a missing tool)");
    }
  }

  /** The executable's path, if it is on the PATH. */
  public static Optional<Path> find(String executable) {
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    return Arrays.stream(path.split(File.pathSeparator))
        .filter(directory -> !directory.isEmpty())
        .map(directory -> Path.of(directory, executable))
        .filter(candidate -> Files.isRegularFile(candidate) && Files.isExecutable(candidate))
        .findFirst();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getTestClass().ifPresent(ToolCheck::requireTools);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getTestMethod().ifPresent(ToolCheck::requireTools);
  }

  private static void requireTools(AnnotatedElement element) {
    AnnotationSupport.findAnnotation(element, RequiresTool.class).ifPresent(tool ->
        require(find(tool.value()).isPresent(),
            "'" + tool.value() + "' is not on the PATH; " + tool.install()));
  }
}
