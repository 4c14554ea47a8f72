; Inno Setup 6 script: the Windows installer of scanstation, made from the PyInstaller bundle.
;
; Build on a Windows machine (see installer\README.md), from the repository root:
;   pyinstaller --noconfirm --clean --workpath installer\build --distpath installer\dist installer\scanstation.spec
;   iscc /DAppVersion=0.1.0 installer\windows\scanstation.iss
; Output: installer\dist\scanstation-<version>-windows-x64-setup.exe

#ifndef AppVersion
  #error Pass the version (scanstation/__init__.py): iscc /DAppVersion=0.1.0 installer\windows\scanstation.iss
#endif
#define DistDir "..\dist\scanstation"

#if !FileExists(DistDir + "\scanstation.exe")
  #error installer\dist\scanstation\scanstation.exe is missing: run PyInstaller with installer\scanstation.spec first
#endif

[Setup]
; The AppId ties upgrades and the uninstaller together: never change it.
AppId={{6B1B7E0C-3D7A-4F4B-9E55-2F1C0A9D7C41}
AppName=Scan station
AppVersion={#AppVersion}
AppVerName=Scan station {#AppVersion}
AppPublisher=scanstation
DefaultDirName={autopf}\scanstation
DefaultGroupName=Scan station
DisableProgramGroupPage=yes
OutputDir=..\dist
OutputBaseFilename=scanstation-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
ChangesEnvironment=yes
UninstallDisplayIcon={app}\scanstation.exe
WizardStyle=modern

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
Name: "ru"; MessagesFile: "compiler:Languages\Russian.isl"

[CustomMessages]
en.AddToPath=Add scanstation to PATH (command line: scanstation ports, scanstation config check)
ru.AddToPath=Добавить scanstation в PATH (командная строка: scanstation ports, scanstation config check)
en.DemoShortcut=Scan station demo
ru.DemoShortcut=Станция приёмки (демо)

[Tasks]
Name: "addtopath"; Description: "{cm:AddToPath}"
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundle whole: files an older version had must not linger beside the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; scanstation.exe (console: every subcommand) and scanstationw.exe (no console: the shortcuts), and _internal\.
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\..\config.example.toml"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
Name: "{autoprograms}\Scan station"; Filename: "{app}\scanstationw.exe"; Parameters: "gui"; WorkingDir: "{app}"
Name: "{autoprograms}\{cm:DemoShortcut}"; Filename: "{app}\scanstationw.exe"; Parameters: "demo"; WorkingDir: "{app}"
Name: "{autodesktop}\Scan station"; Filename: "{app}\scanstationw.exe"; Parameters: "gui"; WorkingDir: "{app}"; Tasks: desktopicon

[Registry]
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; \
    ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NotInPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\scanstationw.exe"; Parameters: "gui"; Description: "{cm:LaunchProgram,Scan station}"; \
    Flags: nowait postinstall skipifsilent unchecked

[Code]
const
  EnvKey = 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment';

function NotInPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKEY_LOCAL_MACHINE, EnvKey, 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Path, Dir: string;
  At: Integer;
begin
  { Take our folder back out of PATH; the config and database in %LOCALAPPDATA%\scanstation stay. }
  if CurUninstallStep <> usPostUninstall then
    exit;
  if not RegQueryStringValue(HKEY_LOCAL_MACHINE, EnvKey, 'Path', Path) then
    exit;
  Dir := ExpandConstant('{app}');
  Path := ';' + Path + ';';
  At := Pos(';' + Uppercase(Dir) + ';', Uppercase(Path));
  if At = 0 then
    exit;
  Delete(Path, At, Length(Dir) + 1);
  Path := Copy(Path, 2, Length(Path) - 2);
  RegWriteExpandStringValue(HKEY_LOCAL_MACHINE, EnvKey, 'Path', Path);
end;
