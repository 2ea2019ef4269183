package com.lifecycleorchestrator.lambdaruntime;

import com.amazonaws.services.lambda.runtime.api.client.AWSLambda;
import com.lifecycleorchestrator.testkit.DeploymentPackage;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A fresh JVM started the way Lambda's {@code java21} managed runtime starts one: the runtime
 * interface client's {@code AWSLambda} on the runtime's own class path, the handler as its
 * argument, the function's deployment package as the working directory (the client loads the
 * classes at its root and the jars in its {@code lib/}), the runtime's JVM flags, the memory of
 * the function's microVM, and only the environment Lambda gives a function. The flags are those
 * the managed runtime's bootstrap passes (serial GC, tiered compilation stopped at C1, a heap of 85%
 * of the memory, the CRaC hooks routed to the client); its Log4Shell hot-patch agent and its own
 * class data archive are not available outside Lambda, so the JDK's default archive is used.
 */
public final class ManagedJavaRuntime implements AutoCloseable {

  public static final String MAIN_CLASS = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
  private static final Path RUNTIME_CLASSPATH = Path.of("target", "runtime-interface-client-classpath.txt");

  /**
   * The runtime interface client loads its native library from the path in this system property;
   * without it, it unpacks the library to the one fixed path {@code /tmp/.libaws-lambda-jni.so},
   * which every JVM on the machine shares: a build that unpacks it while another JVM has it mapped
   * crashes that JVM (SIGBUS). Read from the client's {@code JniHelper}, version 2.10.1.
   */
  static final String NATIVE_LIBRARY_PROPERTY =
      "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";

  /**
   * What a start needs: the JVM, the runtime's class path, the package, the handler, the function's
   * settings, and whether it is initialised for SnapStart or on demand.
   */
  public record Launch(
      Path javaHome,
      List<Path> runtimeClasspath,
      Path taskRoot,
      String handler,
      int memoryMegabytes,
      Map<String, String> functionVariables,
      Optional<String> javaToolOptions,
      boolean snapStart,
      Path output) {}

  private final Process process;
  private final long startedNanos;
  private final Path javaHome;
  private final Path nativeLibrary;

  private ManagedJavaRuntime(Process process, long startedNanos, Path javaHome, Path nativeLibrary) {
    this.process = process;
    this.startedNanos = startedNanos;
    this.javaHome = javaHome;
    this.nativeLibrary = nativeLibrary;
  }

  /**
   * Starts the JVM against the Runtime API given. For SnapStart
   * ({@code AWS_LAMBDA_INITIALIZATION_TYPE=snap-start}) the client runs the before-checkpoint hooks
   * at the end of init and asks to be restored, and the credentials come from the container
   * endpoint; on demand, they are in the environment. Its input is {@code /dev/null}, as a pipe to
   * this JVM could not be taken into a snapshot.
   */
  public static ManagedJavaRuntime start(Launch launch, LocalRuntimeApi api) {
    return start(launch, api, Optional.empty());
  }

  /** Starts the JVM as above, in the control group given, with the CPU it allots. */
  public static ManagedJavaRuntime start(Launch launch, LocalRuntimeApi api, Optional<LambdaCpu> cpu) {
    Path nativeLibrary = unpackNativeLibrary();
    List<String> command = new ArrayList<>(List.of(
        launch.javaHome().resolve("bin").resolve("java").toString(),
        "-XX:MaxHeapSize=" + launch.memoryMegabytes() * 1024L * 85 / 100 + "k",
        // Lambda's microVM has the function's memory and the JVM sizes its initial heap and young
        // generation from it; this machine's many gigabytes would make both (and the RSS) larger.
        "-XX:MaxRAM=" + launch.memoryMegabytes() + "m",
        "-XX:+UseSerialGC",
        "-Xshare:auto",
        "-XX:+TieredCompilation",
        "-XX:TieredStopAtLevel=1",
        "--add-opens=java.base/java.io=ALL-UNNAMED",
        "-Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac",
        "-Djava.net.preferIPv4Stack=true",
        "-XX:+ErrorFileToStderr",
        "-D" + NATIVE_LIBRARY_PROPERTY + "=" + nativeLibrary,
        "-classpath",
        launch.runtimeClasspath().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
        MAIN_CLASS,
        launch.handler()));
    ProcessBuilder builder = new ProcessBuilder(cpu.map(group -> group.confine(command)).orElse(command))
        .directory(launch.taskRoot().toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(launch.output().toFile());
    Map<String, String> environment = builder.environment();
    environment.clear();
    environment.putAll(lambdaEnvironment(launch, api));
    long started = System.nanoTime();
    try {
      Process process = builder.start();
      process.onExit().thenAccept(ended -> api.runtimeExited(ended.exitValue()));
      return new ManagedJavaRuntime(process, started, launch.javaHome(), nativeLibrary);
    } catch (IOException e) {
      deleteQuietly(nativeLibrary);
      throw new UncheckedIOException("could not start " + command.get(0), e);
    }
  }

  /**
   * The client's native library for this machine, unpacked from the client's jar to a file of this
   * start's own. The client ships it for glibc and musl on x86_64 and aarch64; the glibc build is
   * the one Lambda's runtimes (Amazon Linux) and the machines that build this project use.
   */
  static Path unpackNativeLibrary() {
    String architecture = switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch_64";
      default -> throw new IllegalStateException("the runtime interface client has no native library for "
          + System.getProperty("os.arch") + "; run these tests on x86_64 or aarch64 Linux");
    };
    String resource = "/jni/libaws-lambda-jni.linux-" + architecture + ".so";
    try (InputStream library = AWSLambda.class.getResourceAsStream(resource)) {
      if (library == null) {
        throw new IllegalStateException("the runtime interface client's jar has no " + resource);
      }
      Path unpacked = Files.createTempFile("libaws-lambda-jni-", ".so");
      Files.copy(library, unpacked, StandardCopyOption.REPLACE_EXISTING);
      return unpacked;
    } catch (IOException e) {
      throw new UncheckedIOException("could not unpack the runtime interface client's " + resource, e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A file left in the temporary directory harms no other build: its name is this start's own.
    }
  }

  /**
   * The runtime's own class path ({@code /var/runtime/lib} on Lambda): the runtime interface client
   * and what it brings, as Maven's build wrote it.
   */
  public static List<Path> runtimeClasspath() {
    return DeploymentPackage.classpath(RUNTIME_CLASSPATH);
  }

  /** The variables Lambda sets for a {@code java21} function, then the function's own. */
  private static Map<String, String> lambdaEnvironment(Launch launch, LocalRuntimeApi api) {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    environment.put("LANG", "en_US.UTF-8");
    environment.put("TZ", ":UTC");
    environment.put("LAMBDA_TASK_ROOT", launch.taskRoot().toString());
    environment.put("_HANDLER", launch.handler());
    environment.put("AWS_LAMBDA_RUNTIME_API", api.address());
    environment.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
    environment.put("AWS_LAMBDA_INITIALIZATION_TYPE", launch.snapStart() ? "snap-start" : "on-demand");
    environment.put("AWS_LAMBDA_FUNCTION_NAME", "lifecycle-orchestrator");
    environment.put("AWS_LAMBDA_FUNCTION_VERSION", "1");
    environment.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", String.valueOf(launch.memoryMegabytes()));
    environment.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/lifecycle-orchestrator");
    environment.put("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/25/[1]0123456789abcdef0123456789abcdef");
    environment.put("AWS_REGION", "us-east-1");
    environment.put("AWS_DEFAULT_REGION", "us-east-1");
    environment.putAll(launch.snapStart() ? api.credentialVariables() : api.keyVariables());
    launch.javaToolOptions().ifPresent(options -> environment.put("JAVA_TOOL_OPTIONS", options));
    environment.putAll(launch.functionVariables());
    return environment;
  }

  public long startedNanos() {
    return startedNanos;
  }

  public long pid() {
    return process.pid();
  }

  /** The file this start's JVM loads the client's native library from. */
  Path nativeLibrary() {
    return nativeLibrary;
  }

  /** The files the JVM has mapped into its memory, as {@code /proc/<pid>/maps} lists them. */
  List<String> mappedFiles() {
    try {
      return Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "maps")).stream()
          .map(line -> line.trim().split("\\s+", 6))
          .filter(fields -> fields.length == 6)
          .map(fields -> fields[5])
          .distinct()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the runtime JVM's maps from /proc", e);
    }
  }

  /** The most memory the JVM has held resident so far ({@code VmHWM}), in kilobytes. */
  public long peakResidentKilobytes() {
    return statusField("VmHWM");
  }

  /** The classes the JVM has loaded so far, as its performance counters tell {@code jstat}. */
  public long classesLoaded() {
    Path jstat = javaHome.resolve("bin").resolve("jstat");
    try {
      Process counting = new ProcessBuilder(jstat.toString(), "-class", String.valueOf(process.pid()))
          .redirectErrorStream(true).start();
      String printed = new String(counting.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!counting.waitFor(30, TimeUnit.SECONDS) || counting.exitValue() != 0) {
        throw new IllegalStateException("jstat -class failed: " + printed);
      }
      // "Loaded  Bytes  Unloaded  Bytes     Time" and one line of figures.
      return Long.parseLong(printed.strip().split("\\R")[1].trim().split("\\s+")[0]);
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + jstat, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while counting classes", e);
    }
  }

  private long statusField(String field) {
    try {
      return Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status")).stream()
          .filter(line -> line.startsWith(field + ":"))
          .map(line -> Long.parseLong(line.replaceAll("\\D", "")))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("/proc has no " + field + " for the runtime's JVM"));
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the runtime JVM's status from /proc", e);
    }
  }

  /**
   * Ends the JVM, as Lambda ends an execution environment it no longer needs; by its pid, since a
   * restored JVM is no longer this JVM's child.
   */
  @Override
  public void close() {
    ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteQuietly(nativeLibrary);
  }
}
