package com.lifecycleorchestrator.coldstart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * SnapStart's snapshot and restore, done to a runtime's JVM with CRIU (checkpoint/restore in
 * userspace): the whole process, its memory and its open connection to the Runtime API, is written
 * to disk and the process ends; a restore brings it back where it was, waiting for the answer to
 * its {@code GET /runtime/restore/next}. This is what Lambda does with a microVM snapshot when it
 * publishes a SnapStart version and at each cold start after, with a different mechanism; the
 * figures are a local stand-in for Lambda's restore, not a measurement of it. Needs CRIU 4 or later
 * (3.x does not know the vDSO layout of kernels from 6.13) and root.
 */
final class Checkpointer {

  private static final String REMEDY = "scripts/build-criu.sh builds one that knows this kernel, then pass -Dcriu=<its path>, as root";

  private final Path criu;

  private Checkpointer(Path criu) {
    this.criu = criu;
  }

  /**
   * The CRIU given, if {@code criu check} passes on this machine; otherwise why not, in a sentence
   * that says what to do.
   */
  static Result find(String criu) {
    Path binary = Path.of(criu);
    try {
      Process check = new ProcessBuilder(binary.toString(), "check").redirectErrorStream(true).start();
      String printed = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!check.waitFor(60, TimeUnit.SECONDS) || check.exitValue() != 0) {
        return new Result(Optional.empty(), "'" + criu + " check' failed (" + lastLine(printed) + "); " + REMEDY);
      }
      return new Result(Optional.of(new Checkpointer(binary)), "");
    } catch (IOException e) {
      return new Result(Optional.empty(), "no CRIU at '" + criu + "' (" + e.getMessage() + "); " + REMEDY);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking CRIU", e);
    }
  }

  record Result(Optional<Checkpointer> checkpointer, String whyNot) {}

  /**
   * Writes the process to {@code images} and ends it, then waits until its pid is free again: the
   * restore brings it back under the same pid. {@code --tcp-established} keeps the runtime's pending
   * request to the Runtime API; the network lock holds that connection still while the image is
   * taken (nftables: the iptables binary is often absent).
   */
  void dump(long pid, Path images) {
    keepPerfData(pid, images);
    run("dump", images, List.of("dump", "-t", String.valueOf(pid), "-D", images.toString(), "--shell-job",
        "--tcp-established", "--network-lock", "nftables", "-o", "dump.log"));
    try {
      // The dumped JVM is this JVM's child: its exit is seen once it is reaped and its pid is free.
      ProcessHandle.of(pid).ifPresent(ended -> ended.onExit().orTimeout(30, TimeUnit.SECONDS).join());
    } catch (CompletionException e) {
      throw new IllegalStateException("the runtime's pid " + pid + " is still taken 30 s after its dump", e);
    }
  }

  /** Brings the process in {@code images} back and returns once it runs again. */
  void restore(Path images) {
    putPerfDataBack(images);
    run("restore", images, List.of("restore", "-D", images.toString(), "--shell-job", "--tcp-established",
        "--restore-detached", "-o", "restore.log"));
  }

  /**
   * The JVM maps its perf-data file (the one jstat reads) from /tmp/hsperfdata_USER/PID, and the
   * restore maps it again; but once the dumped JVM is gone, any JVM that starts on the machine deletes
   * that file as a dead process's. A copy taken before the dump goes back before each restore.
   */
  private static void keepPerfData(long pid, Path images) {
    Path perfData = Path.of("/tmp", "hsperfdata_" + System.getProperty("user.name"), String.valueOf(pid));
    try {
      Files.createDirectories(images);
      if (Files.exists(perfData)) {
        Files.copy(perfData, images.resolve(PERF_DATA), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(images.resolve(PERF_DATA_PATH), perfData.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not keep the JVM's perf-data file " + perfData, e);
    }
  }

  private static void putPerfDataBack(Path images) {
    try {
      if (Files.exists(images.resolve(PERF_DATA_PATH))) {
        Path perfData = Path.of(Files.readString(images.resolve(PERF_DATA_PATH)));
        Files.createDirectories(perfData.getParent());
        Files.copy(images.resolve(PERF_DATA), perfData, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not put the JVM's perf-data file back for its restore", e);
    }
  }

  private static final String PERF_DATA = "hsperfdata";
  private static final String PERF_DATA_PATH = "hsperfdata.path";

  private void run(String what, Path images, List<String> arguments) {
    List<String> command = new ArrayList<>(List.of(criu.toString()));
    command.addAll(arguments);
    try {
      Files.createDirectories(images);
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(images.resolve(what + ".out").toFile()).start();
      if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("criu " + what + " failed; its log is " + images.resolve(what + ".log"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during criu " + what, e);
    }
  }

  private static String lastLine(String printed) {
    String[] lines = printed.split("\\R");
    return lines[lines.length - 1];
  }
}
