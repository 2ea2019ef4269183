package com.lifecycleorchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * What the deployment package is built from, the compiled classes and the runtime dependencies,
 * holds nothing of the test scope: not the AWS stand-in, not the local run, not a test library.
 */
class DeploymentPackageTest {

  private static final Path CLASSES = Path.of("target", "classes");
  private static final Path SOURCES = Path.of("src", "main", "java");
  private static final Path RUNTIME_CLASSPATH = Path.of("target", "runtime-classpath.txt");
  private static final List<String> TEST_LIBRARIES = List.of("/org/testcontainers/", "/org/junit/", "/junit/junit/",
      "/net/jqwik/", "/com/tngtech/", "/org/opentest4j/");

  @Test
  void everyCompiledClassComesFromTheMainSources() throws IOException {
    try (Stream<Path> files = Files.walk(CLASSES)) {
      List<String> strays = files
          .filter(file -> file.toString().endsWith(".class"))
          .map(file -> CLASSES.relativize(file).toString().replace(File.separatorChar, '/'))
          .filter(klass -> !Files.exists(SOURCES.resolve(klass.replaceAll("(\\$.*)?\\.class$", ".java"))))
          .toList();
      assertEquals(List.of(), strays, "classes in the deployment package that src/main/java does not declare");
    }
  }

  @Test
  void theRuntimeDependenciesHoldNoTestLibraryAndNoCodeOfOurs() throws IOException {
    assertTrue(Files.exists(RUNTIME_CLASSPATH),
        RUNTIME_CLASSPATH + " is written by the Maven build (generate-test-resources); run the tests through Maven");
    List<String> jars = List.of(Files.readString(RUNTIME_CLASSPATH).strip().split(File.pathSeparator));
    assertTrue(jars.size() > 10, "the runtime classpath looks empty: " + jars);
    for (String jar : jars) {
      String path = jar.replace(File.separatorChar, '/');
      assertTrue(TEST_LIBRARIES.stream().noneMatch(path::contains), "a test library at runtime: " + jar);
      try (ZipFile zip = new ZipFile(jar)) {
        assertTrue(zip.stream().noneMatch(entry -> entry.getName().startsWith("com/lifecycleorchestrator/")),
            jar + " carries classes of this project");
      }
    }
  }
}
