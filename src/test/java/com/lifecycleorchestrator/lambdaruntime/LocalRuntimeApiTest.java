package com.lifecycleorchestrator.lambdaruntime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's Runtime API against the real runtime interface client, in a JVM started as the
 * benchmark starts one: the client initialises for SnapStart and asks to be restored, is ready,
 * takes events with the context Lambda's headers give, and reports a function's error and an init
 * error the way the Runtime API expects.
 */
class LocalRuntimeApiTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir
  Path output;

  @Test
  void theClientIsRestoredThenInvokedWithLambdasContextAndItsErrorsReported() throws Exception {
    try (LocalRuntimeApi api = LocalRuntimeApi.start();
         ManagedJavaRuntime runtime = ManagedJavaRuntime.start(launch(EchoFunction.class.getName()), api)) {
      long ready = api.awaitReady(TIMEOUT);

      assertTrue(api.restoreRequestedAt().filter(restored -> restored <= ready).isPresent(),
          "a runtime initialised for SnapStart asks to be restored before its first invocation");
      LocalRuntimeApi.Invocation echoed = api.invoke("{\"n\":1}".getBytes(StandardCharsets.UTF_8), TIMEOUT);
      assertFalse(echoed.failed(), echoed.answer());
      assertTrue(echoed.answer().startsWith(LocalRuntimeApi.FUNCTION_ARN + " ") && echoed.answer().endsWith(" {\"n\":1}"),
          echoed.answer());
      assertTrue(echoed.answeredNanos() > echoed.servedNanos());
      LocalRuntimeApi.Invocation failed = api.invoke("\"fail\"".getBytes(StandardCharsets.UTF_8), TIMEOUT);
      assertTrue(failed.failed() && failed.answer().contains("failing as asked"), failed.answer());
      assertTrue(runtime.peakResidentKilobytes() > 0 && runtime.classesLoaded() > 0);
      assertNativeLibraryOfItsOwn(runtime);
    }
  }

  /**
   * Two builds at once on one machine must not share the client's native library: unpacked to the
   * client's fixed default path by one, it would be overwritten under the other's running JVM.
   */
  private static void assertNativeLibraryOfItsOwn(ManagedJavaRuntime runtime) {
    List<String> mapped = runtime.mappedFiles();
    assertTrue(mapped.contains(runtime.nativeLibrary().toString()),
        "the runtime loads its native library from " + runtime.nativeLibrary() + "; it maps " + mapped);
    assertFalse(mapped.contains("/tmp/.libaws-lambda-jni.so"), "the runtime maps the client's shared default path");
  }

  @Test
  void aHeldRequestToBeRestoredKeepsTheRuntimeFromItsFirstEventUntilAnswered() throws Exception {
    try (LocalRuntimeApi api = LocalRuntimeApi.start()) {
      api.holdRestoreRequest();
      try (ManagedJavaRuntime runtime = ManagedJavaRuntime.start(launch(EchoFunction.class.getName()), api)) {
        long asked = api.awaitRestoreRequest(TIMEOUT);

        assertFalse(api.askedForAnEvent(), "the runtime asks for an event only once it is restored");
        api.answerRestore();
        assertTrue(api.awaitReady(TIMEOUT) > asked);
      }
    }
  }

  @Test
  void aHandlerThatCannotBeBuiltIsAnInitError() {
    try (LocalRuntimeApi api = LocalRuntimeApi.start();
         ManagedJavaRuntime runtime = ManagedJavaRuntime.start(launch(EchoFunction.Unbuildable.class.getName()), api)) {
      IllegalStateException error = assertThrows(IllegalStateException.class, () -> api.awaitReady(TIMEOUT));

      assertTrue(error.getMessage().contains("init error") && error.getMessage().contains("cannot be built"),
          error.getMessage());
    }
  }

  @Test
  void aRuntimeWhoseJvmEndsInItsInitFailsTheWaitForItAtOnce() {
    try (LocalRuntimeApi api = LocalRuntimeApi.start();
         ManagedJavaRuntime runtime = ManagedJavaRuntime.start(launch(EchoFunction.Exiting.class.getName()), api)) {
      // Not a TimeoutException: the wait ends when the JVM does.
      IllegalStateException error = assertThrows(IllegalStateException.class, () -> api.awaitReady(TIMEOUT));

      assertTrue(error.getMessage().contains("exited with code " + EchoFunction.Exiting.EXIT_CODE), error.getMessage());
    }
  }

  /** The runtime with this test's compiled classes as its deployment package. */
  private ManagedJavaRuntime.Launch launch(String handlerClass) {
    return new ManagedJavaRuntime.Launch(Path.of(System.getProperty("java.home")),
        ManagedJavaRuntime.runtimeClasspath(),
        Path.of("target", "test-classes").toAbsolutePath(), handlerClass + "::handleRequest", 256, Map.of(),
        Optional.empty(), true, output.resolve("runtime.log"));
  }
}
