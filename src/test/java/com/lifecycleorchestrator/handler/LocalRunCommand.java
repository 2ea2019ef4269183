package com.lifecycleorchestrator.handler;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code mvn -q -Plocal-run} runs inside Maven, once the function and its tests are compiled:
 * it checks the {@code -D} options and starts {@link LocalRun} in a JVM of its own (with the
 * function's environment and the runtime's compiler setting), then ends Maven with that JVM's exit
 * status. A wrong option or event file is said in one line, and a failed run ends Maven with the
 * run's own status: exec-maven-plugin would wrap either in an error report with a stack trace,
 * which says nothing about the option or the event.
 */
public final class LocalRunCommand {

  /** The function's variables that are not its settings: as in the tests, the metrics go to standard output. */
  static final Map<String, String> ENVIRONMENT = Map.of(
      "AWS_EMF_ENVIRONMENT", "Local",
      "POWERTOOLS_SERVICE_NAME", "lifecycle-orchestrator");

  private LocalRunCommand() {}

  /**
   * @param arguments as the {@code local-run} profile of pom.xml gives them: the project's
   *     directory, its test classes, its classes, and the file that lists the jars of the test class
   *     path (maven-dependency-plugin's build-classpath)
   */
  public static void main(String[] arguments) throws IOException, InterruptedException {
    Path project = Path.of(arguments[0]);
    String classPath = String.join(File.pathSeparator, arguments[1], arguments[2],
        Files.readString(Path.of(arguments[3])).strip());
    LocalRun.Options options;
    try {
      options = LocalRun.Options.fromProperties(properties(), project);
    } catch (LocalRun.UsageError wrong) {
      System.err.println("local run: " + wrong.getMessage());
      System.exit(LocalRun.Exit.BAD_USAGE.status);
      return;
    }
    ProcessBuilder run = new ProcessBuilder(command(options, classPath))
        .directory(project.toFile())
        .inheritIO();
    run.environment().putAll(ENVIRONMENT);
    int status = run.start().waitFor();
    if (status != LocalRun.Exit.HANDLED.status) {
      // Maven's own JVM ends here, with the run's status and without a build failure report.
      System.exit(status);
    }
  }

  /** What Maven was given with -D, among the rest of its JVM's system properties. */
  private static Map<String, String> properties() {
    return System.getProperties().stringPropertyNames().stream()
        .collect(Collectors.toMap(name -> name, System::getProperty));
  }

  /** The JVM the run gets: the runtime's C1-only compilation, which starts faster, and the test class path. */
  static List<String> command(LocalRun.Options options, String classPath) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1",
        "-classpath", classPath,
        LocalRun.class.getName()));
    command.addAll(options.arguments());
    return command;
  }
}
