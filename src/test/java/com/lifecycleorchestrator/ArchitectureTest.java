package com.lifecycleorchestrator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.properties.HasReturnType;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The layout docs/architecture.md gives, held by the compiled classes rather than by good intentions. */
@AnalyzeClasses(packages = "com.lifecycleorchestrator", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule theCoreKnowsNoAwsLibrary = noClasses()
      .that().resideInAPackage("..core..")
      .should().dependOnClassesThat().resideInAnyPackage(
          "software.amazon..", "com.amazonaws..", "com.fasterxml..", "org.slf4j..")
      .because("the core is tested on a virtual clock with fakes and runs in the simulation unchanged");

  @ArchTest
  static final ArchRule onlyTheAdaptersKnowTheSdk = noClasses()
      .that().resideOutsideOfPackage("..adapters..")
      .should().dependOnClassesThat().resideInAnyPackage("software.amazon.awssdk..")
      .because("the adapters are the only code that knows SSM and Auto Scaling wire types and error codes");

  @ArchTest
  static final ArchRule noCallOutsideTheAdaptersHandsOverAnSdkType = noClasses()
      .that().resideOutsideOfPackage("..adapters..")
      .should().callMethodWhere(JavaCall.Predicates.target(HasReturnType.Predicates.rawReturnType(
          JavaClass.Predicates.resideInAPackage("software.amazon.awssdk.."))))
      .because("a value of an SDK type held outside the adapters is SDK knowledge too, though no import shows it");

  @ArchTest
  static final ArchRule onlyTheHandlerKnowsLambda = noClasses()
      .that().resideOutsideOfPackage("..handler..")
      .should().dependOnClassesThat().resideInAnyPackage("com.amazonaws.services.lambda..",
          "software.amazon.lambda..")
      .because("the handler is the thin Lambda entry point");

  @ArchTest
  static final ArchRule nothingDependsOnTheHandler = noClasses()
      .that().resideOutsideOfPackage("..handler..")
      .should().dependOnClassesThat().resideInAnyPackage("..handler..");

  @ArchTest
  static final ArchRule noPackageCycles = slices()
      .matching("com.lifecycleorchestrator.(*)..")
      .should().beFreeOfCycles()
      .because("each package builds on the ones below it, so that one can be read, changed and tested without "
          + "the ones above");

  /**
   * A seeded generator's state taken at init is in the SnapStart snapshot and shared by every
   * restored environment ("Handling uniqueness with Lambda SnapStart"); SecureRandom, drawn from the
   * operating system's entropy at each draw, is not. The SpotBugs SnapStart rules in mvn verify
   * catch a generator kept in the handler; this catches one anywhere.
   */
  @ArchTest
  static final ArchRule randomNumbersComeOnlyFromTheOperatingSystemsEntropy = noClasses()
      .should().dependOnClassesThat().haveFullyQualifiedName("java.util.Random")
      .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.ThreadLocalRandom")
      .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.SplittableRandom")
      .because("a SnapStart snapshot would hand the same seed to every restored execution environment");
}
