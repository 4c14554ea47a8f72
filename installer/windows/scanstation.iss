; Inno Setup 6 script: the Windows installer of scanstation, made from the PyInstaller bundle.
;
; Build on a Windows machine (see installer\README.md), from the repository root:
;   pyinstaller --noconfirm --clean --workpath installer\build --distpath installer\dist installer\scanstation.spec
;   iscc /DAppVersion=0.1.0 installer\windows\scanstation.iss
; Output: installer\dist\scanstation-<version>-windows-x64-setup.exe
;
; What it does: the bundle in {app} (C:\Program Files\scanstation), Start-menu entries for the scan screen and the
; demo, the sample config in {commonappdata}\scanstation (C:\ProgramData\scanstation, where the station looks for
; config.toml after the user's folder), `scanstation self-test` after installing; the uninstaller removes the
; program and keeps the station's data (database, logs, config) unless the admin says to delete them.
; It has not been compiled yet (there is no Windows build machine): the first Windows build is also its first test.

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
en.SelfTestFailed=The station's self-test failed. Run "scanstation self-test" in a console window in %1 to see which part.
ru.SelfTestFailed=Самопроверка станции не прошла. Запустите "scanstation self-test" в окне консоли в %1, чтобы увидеть, что именно.
en.DeleteData=Also delete the station's data: the database, logs and configuration (%1 and %2)?%n%nChoose No to keep them for a later installation.
ru.DeleteData=Удалить и данные станции: базу данных, журналы и настройки (%1 и %2)?%n%nВыберите «Нет», чтобы сохранить их для следующей установки.

[Tasks]
Name: "addtopath"; Description: "{cm:AddToPath}"
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundle whole: files an older version had must not linger beside the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; scanstation.exe (console: every subcommand) and scanstationw.exe (no console: the shortcuts), and _internal\.
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; The sample beside where the station looks for the system's config.toml (copy it to config.toml and edit).
Source: "..\..\config.example.toml"; DestDir: "{commonappdata}\scanstation"; Flags: ignoreversion

[Dirs]
Name: "{commonappdata}\scanstation"

[Icons]
; The scan screen on the system's config, as on Linux (a missing file is said in a window, with what to do).
Name: "{autoprograms}\Scan station"; Filename: "{app}\scanstationw.exe"; Parameters: "gui --config ""{commonappdata}\scanstation\config.toml"""; WorkingDir: "{app}"
Name: "{autoprograms}\{cm:DemoShortcut}"; Filename: "{app}\scanstationw.exe"; Parameters: "demo"; WorkingDir: "{app}"
Name: "{autodesktop}\Scan station"; Filename: "{app}\scanstationw.exe"; Parameters: "gui --config ""{commonappdata}\scanstation\config.toml"""; WorkingDir: "{app}"; Tasks: desktopicon

[Registry]
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; \
    ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NotInPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\scanstationw.exe"; Parameters: "gui --config ""{commonappdata}\scanstation\config.toml"""; \
    Description: "{cm:LaunchProgram,Scan station}"; Flags: nowait postinstall skipifsilent unchecked

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

procedure CurStepChanged(CurStep: TSetupStep);
var
  ResultCode: Integer;
begin
  { Every part tried once, offscreen, on a station of its own in a temporary folder (no real data touched). }
  if CurStep <> ssPostInstall then
    exit;
  if not Exec(ExpandConstant('{app}\scanstation.exe'), 'self-test', '', SW_HIDE, ewWaitUntilTerminated, ResultCode)
    or (ResultCode <> 0) then
    SuppressibleMsgBox(FmtMessage(CustomMessage('SelfTestFailed'), [ExpandConstant('{app}')]), mbError, MB_OK, IDOK);
end;

procedure DeleteStationData();
var
  Shared, Own: string;
begin
  { The database and logs live in the user's %LOCALAPPDATA%\scanstation (platformdirs), the config in ProgramData;
    kept unless the admin asks, and always kept by a silent uninstall (an upgrade script, a deployment tool). }
  Shared := ExpandConstant('{commonappdata}\scanstation');
  Own := ExpandConstant('{localappdata}\scanstation');
  if UninstallSilent then
    exit;
  if MsgBox(FmtMessage(CustomMessage('DeleteData'), [Own, Shared]), mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
  begin
    DelTree(Own, True, True, True);
    DelTree(Shared, True, True, True);
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Path, Dir: string;
  At: Integer;
begin
  { Take our folder back out of PATH; then the station's data, only if asked. }
  if CurUninstallStep <> usPostUninstall then
    exit;
  DeleteStationData();
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
